# Once a crash (stack overflow), fixed in issue 14 (kept as a seed so the fuzzer starts from it): Builtins.compare recurses into two distinct self-containing arrays.
# Value.equals gives up at depth 64 and says "not equal", so compare descends again, forever.
# Same crash through min, max, sort_by/min_by/max_by keys and Hash#sort.
a = [1]
a << a
b = [1]
b << b
[a, b].sort
