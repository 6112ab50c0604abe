<?php
// usdtctl calls for PHP: Foo::f 7 times, Foo::g 3 times, h 2 times; prints its record as JSON
$calls = [];
class Foo {
	function f() { global $calls; $calls['Foo::f'] = ($calls['Foo::f'] ?? 0) + 1; }
	static function g() { global $calls; $calls['Foo::g'] = ($calls['Foo::g'] ?? 0) + 1; }
}
function h() { global $calls; $calls['h'] = ($calls['h'] ?? 0) + 1; }
$o = new Foo();
for ($i = 0; $i < 7; $i++) $o->f();
for ($i = 0; $i < 3; $i++) Foo::g();
for ($i = 0; $i < 2; $i++) h();
echo json_encode($calls), "\n";
