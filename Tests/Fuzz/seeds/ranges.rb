# Ranges: inclusive, exclusive, endless, beginless, stepping, in case/when.
r = (1..10)
e = (1...10)
p r.to_a, e.to_a, r.size, e.size, e.count, r.first, r.first(3), r.last, e.last, r.min, r.max
p r.begin, r.end, e.end, r.exclude_end?, e.exclude_end?, r.include?(10), e.include?(10), r.cover?(5.5)
p r === 3, r.member?(0), (1..).first(2), (..5).include?(-100), (1..).include?(10 ** 6), (3..1).to_a
p r.step(3).to_a, r.each_slice(4).to_a, r.map { |i| i * i }.last, r.select(&:even?), r.sum, r.inject(:"*")
p r.min_by { |i| (i - 5).abs }, r.reject(&:odd?), r.to_a.reverse.first, r.entries.size, r.each_cons(9).to_a.size
list = %w[a b c d e f]
p list[1..3], list[1...-1], list[2..], list[..1], list[-3..-2], list[10..], list[5..2]
acc = []
(2..6).step(2) { |i| acc << i }
(1..3).each { |i| acc << -i }
for i in 0...2 do acc << i * 100 end
for j in [7, 8]
  acc << j
end
p acc, i, j
def size_for(n)
  case n
  when 0 then "none"
  when 1..2 then "few"
  when 3...10 then "some"
  when Integer then "many"
  else "?"
  end
end
p [0, 2, 5, 50, "x"].map { |v| size_for(v) }
begin
  ("a".."c").to_a
rescue => e
  puts "string range: #{e}"
end
begin
  (1..).to_a
rescue => e
  puts "endless: #{e}"
end
Vagrant.configure("2") do |config|
  (1..2).each do |k|
    config.vm.define "r#{k}" do |node|
      node.vm.network "forwarded_port", guest: 8000 + k, host: 18000 + k
    end
  end
end
