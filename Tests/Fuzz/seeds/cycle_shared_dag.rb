# Shared (not cyclic) nesting that doubles at each level: budgets, not cycle checks, bound these.
x = [1, "s"]
12.times { x = [x, x] }
y = [1, "s"]
12.times { y = [y, y] }
h = { leaf: 1 }
9.times { |i| h = { "l#{i}" => h, "r#{i}" => h } }
shared = Array.new(3, [])
shared[0] << :only_once
results = []
[
  -> { x.inspect.size }, -> { x.to_s.size }, -> { x == y }, -> { x.eql?(y) }, -> { x.include?(y[0]) },
  -> { x.flatten.size }, -> { x.flatten(3).size }, -> { x.join(",").size }, -> { (x * "-").size },
  -> { JSON.generate(x).size }, -> { JSON.generate(h).size }, -> { h.inspect.size }, -> { h == h.dup },
  -> { x.uniq { |e| e }.size }, -> { (x | y).size }, -> { { x => 1 }[y] }, -> { [x, y].sort_by(&:size).size },
  -> { x.dig(0, 0, 0, 0, 0, 1) }, -> { h.dig("l8", "r7", "l6").size }, -> { shared.inspect },
  -> { shared.flatten }, -> { format("%p", x).size }, -> { "#{x}".size }, -> { [x].sort.size },
].each do |f|
  begin
    results << f.call
  rescue => e
    results << e
  end
end
p results
Vagrant.configure("2") { |config| config.vm.box = "dag/#{results.size}" }
