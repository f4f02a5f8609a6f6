# Hashes with symbol, string and other keys.
h = { name: "web", "port" => 80, 3 => [1, 2], [1, 2] => "pair", "quoted": true }
h[:cpus] = 2
h[nil] = :none
h.store("extra", { deep: { deeper: [10, 20] } })
puts h[:name], h["port"], h[3].inspect, h[nil], h[[1, 2]], h[:quoted], h[:missing].inspect
puts h.fetch(:name), h.fetch(:nope, "dflt"), h.fetch(:nope) { |k| "block #{k}" }
begin
  h.fetch(:nope)
rescue KeyError => e
  puts "KeyError: #{e}"
end
puts h.dig("extra", :deep, :deeper, 1), h.dig(:name, :x).inspect
puts h.key?(:name), h.has_key?("port"), h.include?(:zzz), h.member?(3)
puts h.value?(80), h.has_value?(:x), h.key(80).inspect, h.keys.inspect
puts h.values.size, h.values_at(:name, "port", :none).inspect, h.length, h.size, h.count, h.empty?
removed = h.delete(:cpus)
puts removed, h.delete(:nothing).inspect
a = { x: 1, y: 2 }
b = { y: 20, z: 30 }
p a.merge(b), a.merge(b) { |key, old, new| old + new }, a.to_a, a.invert, a.first, a.to_h, a.to_hash
a.update(w: 0)
a.merge!(b)
counts = Hash.new(0)
%w[a b a c a].each { |w| counts[w] += 1 }
lists = Hash.new
lists[:k] ||= []
lists[:k] << 1
d = {}
d.default = :fallback
p a, counts, lists, d[:anything], Hash({ q: 1 }), Hash(nil), { **a, extra: 1 }
Vagrant.configure("2") do |config|
  config.vm.box = h[:name]
end
