# A hash that contains itself directly and through an array value.
h = { name: "root", list: [1, 2] }
h[:self] = h
h[:list] << h
g = { name: "root", list: [1, 2] }
g[:self] = g
g[:list] << g
checks = {
  inspect: -> { h.inspect }, to_s: -> { h.to_s }, interp: -> { "#{h}" },
  eq_self: -> { h == h }, eq_twin: -> { h == g }, eql: -> { h.eql?(g) }, ne: -> { h != g },
  key: -> { h.key?(:self) }, value: -> { h.value?(g) }, which: -> { h.key(h) },
  dig: -> { h.dig(:self, :self, :list, 2, :name) }, fetch: -> { h.fetch(:self).size },
  merge: -> { h.merge(g).size }, merge_block: -> { h.merge(g) { |k, a, b| [a, b] }.inspect.size },
  to_a: -> { h.to_a.flatten.size }, invert: -> { h.invert.size }, values: -> { h.values.flatten(2).size },
  tv: -> { h.transform_values(&:class) },
  select: -> { h.select { |k, v| v == h }.keys }, sort: -> { h.sort.size },
  sort_by: -> { h.sort_by { |k, v| v.to_s.size }.size }, group: -> { h.group_by { |k, v| v }.size },
  hash: -> { h.hash }, to_json: -> { h.to_json },
  to_yaml: -> { h.to_yaml }, json: -> { JSON.generate(h) }, dump: -> { JSON.dump(g) },
  self_key: -> { h[h] = :me; h[h] }, in_array: -> { [h, g].include?(g) }, uniq: -> { [h, h, g].uniq.size },
  each_obj: -> { h.each_with_object([]) { |(k, v), acc| acc << v }.size },
  delete: -> { x = h.dup; x.delete(:self); x.inspect },
}
results = {}
checks.each do |name, check|
  begin
    results[name] = check.call
  rescue => e
    results[name] = "error: #{e}"
  end
end
p results
Vagrant.configure("2") { |config| config.vm.box = "cycle/#{results.keys.size}" }
