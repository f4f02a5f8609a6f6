# Operator precedence, unary operators, comparison chains, safe navigation and scope resolution.
a = 2
b = 3
p 1 + 2 * 3 ** 2, (1 + 2) * 3, -2 ** 2, 2 ** 3 ** 2, 10 - 4 - 3, 100 / 10 / 5, 7 % 4 * 2
p a < b && b > a, a <= 2 || nil, !a, !!a, ~a, -a, +a, - -a
p a <=> b, b <=> a, a <=> a, "a" <=> "b", :a <=> :b, ([1, 2] <=> [1, 3] rescue :no_cmp)
p 1 | 2 ^ 3 & 4, 1 << 2 + 1, 256 >> 2 ** 2, (1..3) === 2, Integer === a, /b/ === "abc"
p "x" =~ /x/, "x" !~ /y/, a.between?(1, 3) ? "in" : "out", a > 1 ? b > 2 ? "both" : "one" : "none"
p nil&.length, "str"&.length, [nil, "ab"].map { |s| s&.upcase&.reverse }, {}.dig(:a)&.size
p Vagrant::VERSION, ::RUBY_VERSION, File::SEPARATOR, Vagrant::configure("2") { |c| :block_value }
p [1, 2, 3].sum / 2.0, 5.0.floor / 2, 2 * -1, 2 - -1, 2 + +1, 3*-2, a+b, a-b, a*b, a/b, a%b, a**b
p(true && false || true, (true and false) || true, (not false) && true, true & true, false ^ true)
c = nil
c ||= []
c <<= 1
c += [2]
d = c.size > 1 && c.first
e = c.empty? || c.last
f = (a, g = 5, 6)
p c, d, e, f, a, g, [1, [2, 3]].dig(1, 0), [[1, 2], [3, 4]].map { |(x, y)| x * y }
h = { "x" => 1 }
h["x"] += 1
h["y"] ||= 10
h["y"] -= 1
arr = [1, 2]
arr[0] += 5
arr[-1] *= 3
p h, arr
