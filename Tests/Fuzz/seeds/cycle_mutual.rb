# Two arrays that contain each other, plus a hash that closes the loop.
a = [1]
b = [2]
a << b
b << a
h = { a: a, b: b }
a << h
out = []
tries = [
  -> { a.inspect }, -> { b.to_s }, -> { h.inspect }, -> { a == b }, -> { a == a.dup },
  -> { a.eql?([1, b, h]) }, -> { b.include?(a) }, -> { a.include?(h) }, -> { h.value?(b) },
  -> { a.join("/") }, -> { b.join }, -> { [h].join }, -> { a.flatten.size }, -> { b.flatten(2).size },
  -> { a.sort }, -> { [b].sort }, -> { a.sort_by(&:class).size }, -> { [a, b].max_by(&:size).size },
  -> { [a, b].sort_by(&:size).size }, -> { (a | b).size }, -> { (a & b).size }, -> { (a - b).size },
  -> { a.uniq { |x| x.class }.size }, -> { [a, b, a].uniq(&:itself).size }, -> { { a => 1, b => 2 }.size },
  -> { JSON.generate(h) }, -> { a.dig(1, 1, 1, 1, 0) }, -> { h.dig(:a, 2, :b, 1, 2, :a, 0) },
  -> { a.index(b) }, -> { a.count(h) }, -> { a.delete(b); a.size }, -> { b.to_h }, -> { h.to_a.size },
  -> { a.zip(b).inspect.size }, -> { a.each_slice(1).to_a.inspect.size }, -> { a.compact.size },
  -> { format("%p|%s", b, h).size }, -> { "#{a}#{b}#{h}".size },
]
tries.each_with_index do |t, i|
  begin
    out << [i, t.call]
  rescue => e
    out << [i, e]
  end
end
p out
Vagrant.configure("2") { |config| config.vm.box = "mutual/#{out.size}" }
