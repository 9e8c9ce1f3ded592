/*
 * CPython 3.11's own gc.collect(), measured on this machine in the same run
 * as bench/perf, on the same shapes: a live tree of 2^20 - 1 nodes (no
 * garbage: every object traversed, none freed) and 500,000 two-object
 * cycles of __slots__ instances (every object collected). Prints one line
 * per shape, ns per object, the median of 7 collections.
 *
 * The interpreter is embedded from libpython3.11 (a heaplab dependency for
 * the pymalloc back end), so no python3 executable is needed.
 */
#include <Python.h>
#include <stdio.h>

#include "smoke.h"

static const char measure[] =
    "import gc, time\n"
    "class Node:\n"
    "    __slots__ = ('left', 'right')\n"
    "    def __init__(self, left=None, right=None):\n"
    "        self.left = left\n"
    "        self.right = right\n"
    "def tree(depth):\n"
    "    # children before parents, as bench/perf.c's heap_tree builds it\n"
    "    stack, heights = [], []\n"
    "    while True:\n"
    "        stack.append(Node()); heights.append(0)\n"
    "        while len(stack) >= 2 and heights[-1] == heights[-2]:\n"
    "            right = stack.pop(); heights.pop()\n"
    "            stack[-1] = Node(stack[-1], right); heights[-1] += 1\n"
    "        if len(stack) == 1 and heights[0] == depth:\n"
    "            return stack[0]\n"
    "def median(xs):\n"
    "    return sorted(xs)[len(xs) // 2]\n"
    "gc.disable()\n"
    "root = tree(DEPTH)\n"
    "nodes = 2 ** (DEPTH + 1) - 1\n"
    "gc.collect()\n"
    "times = []\n"
    "for _ in range(7):\n"
    "    start = time.perf_counter_ns(); gc.collect(); times.append(time.perf_counter_ns() - start)\n"
    "print('cpython trace objects %d collect_ns_per_object %.2f' % (nodes, median(times) / nodes))\n"
    "del root\n"
    "gc.collect()\n"
    "class Cell:\n"
    "    __slots__ = ('other',)\n"
    "times = []\n"
    "for _ in range(7):\n"
    "    for _ in range(CYCLES):\n"
    "        a = Cell(); b = Cell(); a.other = b; b.other = a\n"
    "    del a, b\n"
    "    start = time.perf_counter_ns(); collected = gc.collect(); times.append(time.perf_counter_ns() - start)\n"
    "    assert collected == 2 * CYCLES, collected\n"
    "print('cpython cycles objects %d collect_ns_per_object %.2f' % (2 * CYCLES, median(times) / (2 * CYCLES)))\n";

int main(void) {
    Py_Initialize();
    /* bench/perf.c's sizes, smaller in smoke mode (smoke.h). */
    int failed = PyRun_SimpleString(smoke_mode() ? "DEPTH, CYCLES = 10, 1000\n" : "DEPTH, CYCLES = 19, 500000\n");
    failed = failed || PyRun_SimpleString(measure);
    fflush(stdout);
    if (Py_FinalizeEx() < 0) failed = 1;
    if (failed) fprintf(stderr, "perf: the CPython measurement failed\n");
    return failed ? 1 : 0;
}
