# Slow: Array#shift is removeFirst, O(n) each, so draining a 300 000-element array with shift
# costs about 35 s in a debug build (libFuzzer's -timeout is 10 s); the step budget does not help
# because each shift is one step.
a = Array.new(300000, 0)
n = 0
n += 1 while a.shift
