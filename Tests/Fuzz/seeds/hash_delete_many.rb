# Once a hang, fixed in issue 14 (kept as a seed so the fuzzer starts from it): removing one key from a HashBox shifts the pairs and rewrites the position of every later
# key in the index (Value.swift, HashBox subscript setter), so deleting all keys is quadratic with a
# large constant: 20 000 deletes take more than a minute in a debug build. (Hash#clear had the
# same cost through this path.)
h = {}
(1..20000).each { |i| h[i] = i }
h.keys.each { |k| h.delete(k) }
