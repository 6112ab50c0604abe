# usdtctl stat: calls f 50 times and collects 3 times; prints the calls of f and every
# collection since the interpreter started, as gc.get_stats() counts them: {"f": 50, "gcs": N}.
# The process ends without the collections of a shutdown.
import gc
import json
import os
import sys

n = 0


def f():
    global n
    n += 1


for i in range(50):
    f()
for i in range(3):
    gc.collect()
sys.stdout.write(json.dumps({"f": n, "gcs": sum(s["collections"] for s in gc.get_stats())}) + "\n")
sys.stdout.flush()
os._exit(0)
