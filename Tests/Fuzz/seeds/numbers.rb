# Integer and Float arithmetic and methods.
p 7 / 2, -7 / 2, 7 % 3, -7 % 3, 7.divmod(-2), 7.fdiv(2), 2 ** 10, 2 ** -1, 10.0 / 4, 1e3, 1.5e-3
p 0x1F, 0b1010, 0o17, 017, 1_000_000, 255.to_s(2), 255.to_s(16), 10.to_s, -5.abs, 5.pred, 5.succ
p 6 & 3, 6 | 3, 6 ^ 3, ~6, 1 << 10, 1024 >> 3, -1 >> 70, 3.even?, 3.odd?, 0.zero?, (-1).negative?
p 5.clamp(1, 3), 5.between?(1, 10), 3.7.round, 3.2.ceil, 3.8.floor, -3.5.round, 3.14159.round(2)
p 3.99.to_i, 3.to_f, 2.5.truncate, 1.0 / 0, -1.0 / 0, (0.0 / 0.0).to_s, 10.0.to_s, 1e20.to_s
p Integer("42"), Integer(" 0x1f "), Integer("9.5", exception: false), Float("2.5"), Float(3)
p 1 + 2.5, 3 * 1.5, 2.0 ** 0.5, 10 - 0.25, 5 <=> 3, 2.0 <=> 2, 1 == 1.0, 1.eql?(1), 3.positive?
p 1.is_a?(Integer), 1.is_a?(Numeric), 1.5.kind_of?(Float), 1.class, 1.5.class, 65.chr, -2.abs
p 4.times.to_a, 3.upto(6).to_a, 6.downto(3).map { |i| i * i }, 1.0.floor, 2.75.ceil(1)
sum = 0
10.times { |i| sum += i }
1.upto(3) { |i| sum *= i }
3.downto(1) { |i| sum -= i }
x = 5
x += 1
x -= 2
x *= 3
x /= 2
x %= 4
x **= 3
x |= 8
x &= 12
x <<= 2
x >>= 1
p sum, x, -x, +x, x.to_i.to_s.rjust(4, "0")
begin
  1 / 0
rescue ZeroDivisionError => e
  puts "zero: #{e}"
end
begin
  2 ** 64
rescue => e
  puts "big: #{e}"
end
memory = (ENV["MEM"] || "1536").to_i
cpus = [memory / 512, 1].max
Vagrant.configure("2") do |config|
  config.vm.provider "virtualbox" do |vb|
    vb.memory = memory
    vb.cpus = cpus
  end
end
