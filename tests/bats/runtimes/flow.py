# usdtctl flow: nested calls, each recording its own entry and return with its depth (0 for the
# outermost): [["->", "a", 0], ["->", "b", 1], ...] as JSON
import json

rec = []
depth = 0


def enter(name):
    global depth
    rec.append(["->", name, depth])
    depth += 1


def leave(name):
    global depth
    depth -= 1
    rec.append(["<-", name, depth])


def b():
    enter("b")
    leave("b")


def a(n):
    enter("a")
    for i in range(n):
        b()
    leave("a")


a(2)
b()
print(json.dumps(rec))
