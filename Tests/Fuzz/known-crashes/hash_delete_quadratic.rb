# Hang: HashBox removal shifts pairs and rewrites the index for every key, and Hash#clear removes
# keys one at a time, so clearing a 50 000-entry hash takes more than a minute in a debug build.
h = {}
(1..50000).each { |i| h[i] = i }
h.clear
