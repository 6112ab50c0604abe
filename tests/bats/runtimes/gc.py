# usdtctl gc: collections of generations 0, 1, 2, 0, 1 with cycles to collect; records each as
# CPython's gc.callbacks report it: [[generation, collected + uncollectable], ...] as JSON.
# Automatic collection is off, and the process ends without the collections of a shutdown.
import gc
import json
import os
import sys

gc.disable()
rec = []


def record(phase, info):
    if phase == "stop":
        rec.append([info["generation"], info["collected"] + info["uncollectable"]])


gc.callbacks.append(record)
for i in range(5):
    for k in range(i * 10):
        cycle = []
        cycle.append(cycle)
        del cycle
    gc.collect(i % 3)
gc.callbacks.remove(record)
sys.stdout.write(json.dumps(rec) + "\n")
sys.stdout.flush()
os._exit(0)
