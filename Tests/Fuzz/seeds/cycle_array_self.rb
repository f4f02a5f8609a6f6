# An array that contains itself, run through every built-in that walks arrays.
a = [1, "two", :three]
a << a
b = [1, "two", :three]
b << b
checks = {
  inspect: -> { a.inspect }, to_s: -> { a.to_s }, interp: -> { "#{a}|#{[a]}" },
  format: -> { format("%s %p", a, a) }, puts: -> { puts a; p a },
  eq_self: -> { a == a }, eq_twin: -> { a == b }, ne: -> { a != b }, eql: -> { a.eql?(b) },
  equal: -> { a.equal?(b) }, case_eq: -> { a === b }, include_self: -> { a.include?(a) },
  include_twin: -> { a.include?(b) }, index: -> { a.index(b) }, count: -> { a.count(a) },
  join: -> { a.join(",") }, join_nested: -> { [[a]].join("-") }, star: -> { a * "|" },
  flatten: -> { a.flatten.size }, flatten1: -> { a.flatten(1).size },
  uniq: -> { a.uniq.size }, uniq_block: -> { a.uniq { |x| x }.size },
  sort: -> { a.sort }, sort_by: -> { a.sort_by(&:to_s) }, min_one: -> { [a].min.size },
  hash: -> { a.hash }, to_json: -> { a.to_json }, to_yaml: -> { a.to_yaml },
  json: -> { JSON.generate(a) }, pretty: -> { JSON.pretty_generate([b]) },
  delete: -> { a.dup.delete(b) }, minus: -> { (a - [b]).size }, and: -> { (a & [b]).size },
  or: -> { (a | b).size }, dig: -> { a.dig(3, 3, 3, 0) }, last: -> { a.last.last.equal?(a) },
  sum: -> { a.sum }, zip: -> { a.zip(a).size }, to_h: -> { [[a, b]].to_h.size },
  group: -> { a.group_by { |x| x }.size },
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
Vagrant.configure("2") { |config| config.vm.box = "cycle/#{results.size}" }
