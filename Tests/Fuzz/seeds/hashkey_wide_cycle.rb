# Once a hang / memory blow-up, fixed in issue 14 (kept as a seed so the fuzzer starts from it): HashKey(value) expands arrays of up to 64 items to depth 4 without a
# node budget, so an array holding itself 64 times becomes a key of 64^4 (16.7 million) nodes.
# One h[a] takes ~4 s in a debug build; uniq/group_by/|/& build one key per element.
a = []
64.times { a << a }
h = {}
h[a] = 1
[a, a, a].uniq { |x| x }
(a | a).size
