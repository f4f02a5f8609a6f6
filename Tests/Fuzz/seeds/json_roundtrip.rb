# JSON generate/parse round trips and YAML reading JSON text.
require "json"
require "yaml"
data = {
  "name" => "cluster", count: 3, ratio: 0.5, on: true, off: false, none: nil, sym: :value,
  "nodes" => [{ "n" => 1, "tags" => %w[a b] }, { "n" => 2, "tags" => [] }],
  "nested" => { "deep" => { "deeper" => [[1, [2, [3]]]] } }, 7 => "int key"
}
compact = JSON.generate(data)
pretty = JSON.pretty_generate(data)
dumped = JSON.dump([1, "two", nil])
back = JSON.parse(compact)
sym = JSON.parse(compact, symbolize_names: true)
again = JSON.parse(JSON.generate(back))
via_yaml = YAML.load(compact)
p compact, pretty.lines.size, dumped, back["nodes"][1]["tags"], sym[:nested][:deep], back == again
p via_yaml["count"], JSON.load("[1, 2.5, \"x\", null, true]"), JSON.parse("42"), JSON.parse("\"s\"")
p JSON.generate("plain"), JSON.generate(nil), JSON.generate(1.5), JSON.generate([]), JSON.generate({})
begin
  JSON.parse("{not json}")
rescue JSON::ParserError => e
  puts "parser: #{e}"
end
begin
  JSON.generate(1..2)
rescue TypeError => e
  puts "type: #{e}"
end
nodes = JSON.parse(<<~JSON)
  [{"name": "j1", "ip": "192.168.60.11", "mem": 512},
   {"name": "j2", "ip": "192.168.60.12", "mem": 768, "ports": [[80, 8081]]}]
JSON
Vagrant.configure("2") do |config|
  nodes.each do |node|
    config.vm.define node["name"] do |m|
      m.vm.network "private_network", ip: node["ip"]
      (node["ports"] || []).each { |g, h| m.vm.network "forwarded_port", guest: g, host: h }
      m.vm.provider(:virtualbox) { |vb| vb.memory = node.fetch("mem", 256) }
    end
  end
end
