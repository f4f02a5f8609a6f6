# Arrays and hashes (cyclic ones included) used as hash keys, and keys mutated after insertion.
key = [1, 2]
h = { key => "pair", [1, [2, [3]]] => "nested", { a: 1 } => "hash key", 1.0 => "float", 1..2 => "range" }
key << 3
loopy = [1]
loopy << loopy
h[loopy] = :cyclic
self_ref = {}
self_ref[self_ref] = self_ref
list_of_self = [self_ref, [self_ref]]
p h[key], h[[1, 2]], h[[1, 2, 3]], h[1], h[1.0], h[1..2], h[{ a: 1 }], h[loopy], h.key?(loopy)
p h.keys.size, h.inspect.size, self_ref.inspect, self_ref.size, self_ref[self_ref].equal?(self_ref)
p list_of_self.inspect, { loopy => 1 } == { loopy => 1 }, { loopy => 1 }.merge({ loopy => 2 }).size
groups = [loopy, loopy, [1, loopy], key].group_by { |x| x }
p groups.size, groups.keys.map(&:size)
counts = Hash.new(0)
[loopy, [1, loopy], loopy].each { |x| counts[x] += 1 }
p counts.values, counts.to_a.size, counts.invert.size
begin
  p [loopy, [1, loopy], loopy].uniq.size
rescue => e
  p e
end
p [loopy, loopy].uniq { |x| x }.size, ([loopy] | [loopy]).size, ([loopy] & [[1, loopy]]).size
deep_key = [1]
5.times { deep_key = [deep_key, deep_key] }
p({ deep_key => :dk }[deep_key], [deep_key, deep_key].uniq(&:itself).size)
wide = Array.new(70, 0)
p({ wide => 1 }[Array.new(70, 0)], { wide => 1 }[wide])
Vagrant.configure("2") { |config| config.vm.box = "keys/#{h.size}" }
