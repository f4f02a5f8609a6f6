# Array operators and in-place filters.
a = [1, 2, 3, 4]
b = [3, 4, 5]
p a + b, a - b, a & b, a | b, a * 2, a * ", ", [[1, 2], [3, [4, [5]]]].flatten
p [[1, [2, [3, [4]]]]].flatten(1), [[1, [2, [3]]]].flatten(0), [[:k, 1], [:j, 2]].to_h
p a == [1, 2, 3, 4], a != b, a.eql?(a.dup), a.equal?(a), a.clone.equal?(a)
p [3, 1, 2].sort, ["b", "a"].sort, [:b, :a].sort, [[2, 1], [1, 2]].sort, [1, 2.5, 0].max
c = a.dup
c.map! { |x| x * 10 }
c.select! { |x| x > 10 }
c.reject! { |x| x > 30 }
d = (1..10).to_a
d.delete_if(&:even?)
d.keep_if { |x| x > 3 }
e = [1, 2]
e.collect! { |x| -x }
p c, d, e, a.first(0), a.take(100), a.drop(-1)
f = [4, 5]
f += [6]
f -= [4]
f |= [7, 7]
f &= [5, 6, 7]
f *= 2
f <<= 8 rescue nil
p f
begin
  a.sample
rescue => err
  puts "no randomness: #{err}"
end
p a.each_slice(3).map(&:sum), a.to_a, a.zip(b).to_h
Vagrant.configure("2") { |config| config.vm.box = "seed/setops" }
