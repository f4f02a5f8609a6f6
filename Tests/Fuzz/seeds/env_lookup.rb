# ENV reads with defaults, conversions and local assignment.
mem = (ENV["VM_MEMORY"] || "1024").to_i
cpus = Integer(ENV.fetch("VM_CPUS", "2"))
box = ENV.fetch("VM_BOX") { |key| "fallback/#{key.downcase}" }
gui = ENV["VM_GUI"] == "1"
nodes = ENV.fetch("NODES", "2").to_i.clamp(1, 5)
home = ENV["HOME"]
p mem, cpus, box, gui, nodes, home.nil?, ENV.key?("PATH"), ENV.include?("NOPE"), ENV.has_key?("X")
ENV["BOXER_SEED"] = "set-locally"
ENV.store("OTHER", 42)
p ENV["BOXER_SEED"], ENV["OTHER"], ENV.to_h.size >= 2, ENV.keys.class, ENV.member?("BOXER_SEED")
ENV.delete("OTHER")
p ENV["OTHER"], ENV.to_hash.key?("BOXER_SEED")
begin
  ENV.fetch("DEFINITELY_MISSING")
rescue KeyError => e
  puts "missing: #{e}"
end
begin
  ENV.each { |k, v| puts k }
rescue NoMethodError => e
  puts "no ENV.each: #{e}"
end
flags = (ENV["FLAGS"] || "a,b,,c").split(",").reject(&:empty?).map(&:to_sym)
proxy = ENV["http_proxy"] || ENV["HTTP_PROXY"]
Vagrant.configure("2") do |config|
  config.vm.box = box
  config.vm.provider "virtualbox" do |vb|
    vb.memory = mem
    vb.cpus = cpus
    vb.gui = gui
  end
  config.vm.provision "shell", inline: "echo #{flags.join(' ')}", env: { "PROXY" => proxy.to_s, "MEM" => mem }
  (1..nodes).each do |i|
    config.vm.define "env-#{i}", autostart: i == 1 do |n|
      n.vm.hostname = "env-#{i}"
    end
  end
end
