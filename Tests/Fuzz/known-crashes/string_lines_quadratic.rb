# Hang: String#lines splits the whole string again for every line (quadratic).
# 20 000 lines take more than a minute in a debug build.
("x\n" * 20000).lines.size
