# usdtctl calls, objnew and gc for Ruby: Foo#f 7 times, Foo#g 3 times, 9 Foo and 4 Bar
# objects, 3 GC.start, with a TracePoint on (Ruby fires method__entry only then); prints its
# record as JSON, with the collections Ruby counted since it started
require 'json'

class Foo
  def f; end
  def g; end
end

class Bar; end

TracePoint.new(:call, :return) {}.enable
calls = Hash.new(0)
objects = Hash.new(0)
o = Foo.new
objects['Foo'] += 1
7.times { o.f; calls['Foo.f'] += 1 }
3.times { o.g; calls['Foo.g'] += 1 }
keep = []
8.times { keep << Foo.new; objects['Foo'] += 1 }
4.times { keep << Bar.new; objects['Bar'] += 1 }
3.times { GC.start }
puts JSON.generate({ 'calls' => calls, 'objects' => objects, 'gcs' => GC.count })
