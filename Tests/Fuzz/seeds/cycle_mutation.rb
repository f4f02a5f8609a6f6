# Self-references made by mutating methods, and mutation during iteration.
a = [1, 2]
a.push(a)
a.concat([a])
a.insert(1, a)
a.unshift(a)
a[8] = a
b = [0]
b.map! { |x| b }
c = [1, 2, 3]
c.each { |x| c << x * 10 if c.size < 8 }
d = [3, 2, 1]
d.select! { |x| d << x if d.size < 5; true }
e = { k: 1 }
e.merge!(me: e)
e.update(again: [e, e])
e.each { |k, v| e["seen_#{k}"] = e if e.size < 8 }
f = { list: [] }
f[:list] << f << f[:list]
g = [1]
g.each_with_object(g) { |x, memo| memo << memo if memo.size < 3 }
h = Hash.new([])
h[:x] << :shared_default
i = []
i += [i]
i <<= i
j = { a: [] }
j[:a].push(j).push(j[:a])
j.transform_values { |v| v << j }
[a, b, c, d, e, f, g, h, i, j].each_with_index do |v, n|
  begin
    puts "#{n}: #{v.inspect.size} #{v.size} #{v == v.dup} #{v.to_a.size} #{(v.flatten.size rescue '-')}"
    puts "   #{v.include?(v)} #{(JSON.generate(v) rescue 'json-refused')}" if n.even?
    puts "   #{(v.join(',') rescue 'join-refused')}" if v.is_a?(Array) && n > 7
  rescue => err
    puts "#{n}: #{err}"
  end
end
k = [1, 2, 3]
k.delete_if { |x| k.push(x) if k.size < 6; x.odd? }
k.reject! { |x| k.size > 100 }
p k, h[:other], d.size, c.size, a.count(a)
Vagrant.configure("2") { |config| config.vm.box = "mutation/#{c.size}" }
