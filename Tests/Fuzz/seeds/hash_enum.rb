# Enumerable methods on hashes.
mem = { "db" => 2048, "web" => 512, "cache" => 1024 }
mem.each { |name, size| print name, "=", size, ";" }
mem.each_pair { |name, size| print name.upcase }
mem.each_key { |k| print k.length }
mem.each_value { |v| print v / 512 }
mem.each_with_index { |(name, size), i| print i, name, size }
puts
p mem.map { |k, v| "#{k}:#{v}" }, mem.collect { |k, v| v }, mem.flat_map { |k, v| [k, v] }
p mem.select { |k, v| v > 600 }, mem.filter { |k, v| k.start_with?("c") }, mem.reject { |_, v| v < 1000 }
p mem.find { |k, v| v == 512 }, mem.detect { |k, v| false }, mem.any? { |k, v| v > 2000 }, mem.any?
p mem.all? { |k, v| v >= 512 }, mem.none? { |k, v| v.zero? }, mem.count { |k, v| v > 1000 }
p mem.partition { |k, v| v > 1000 }, mem.sort_by { |k, v| v }, mem.min_by { |k, v| v }, mem.max_by { |k, v| k }
p mem.sum { |k, v| v }, mem.group_by { |k, v| v > 1000 }, mem.sort, mem.sort.to_h.keys
p mem.transform_values { |v| v * 2 }, mem.transform_keys(&:to_sym), mem.transform_keys { |k| k.to_sym }
p mem.each_with_object([]) { |(k, v), acc| acc << k }, mem.inject(0) { |s, (k, v)| s + v }
p mem.reduce([]) { |acc, pair| acc + pair }
copy = mem.dup
copy.clear
p copy, mem.size, mem.to_a.to_h == mem
Vagrant.configure("2") do |config|
  mem.each do |name, size|
    config.vm.define name do |m|
      m.vm.provider("virtualbox") { |vb| vb.memory = size }
    end
  end
end
