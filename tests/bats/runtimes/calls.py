# usdtctl calls and the silent-probe tests: calls f 7 times and g 3 times, then prints what it
# called as JSON: {"f": 7, "g": 3}
import json

calls = {}


def f():
    calls["f"] = calls.get("f", 0) + 1


def g():
    calls["g"] = calls.get("g", 0) + 1


for i in range(7):
    f()
for i in range(3):
    g()
print(json.dumps(calls))
