# Once a hang, fixed in issue 14 (kept as a seed so the fuzzer starts from it): String#lines splits the whole string again for every line (quadratic).
# 20 000 lines take more than a minute in a debug build.
("x\n" * 20000).lines.size
