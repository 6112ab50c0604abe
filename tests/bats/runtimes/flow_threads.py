# usdtctl flow with more threads than it follows at once (RT_EVENT_THREADS): each thread calls
# b() once, one thread after another; prints its record, the threads and their calls, as JSON
import json
import threading

THREADS = 1100
calls = {}


def b():
    calls[threading.get_native_id()] = calls.get(threading.get_native_id(), 0) + 1


for i in range(THREADS):
    t = threading.Thread(target=b)
    t.start()
    t.join()
print(json.dumps({"threads": len(calls), "calls": sum(calls.values())}))
