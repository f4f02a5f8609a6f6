# YAML documents parsed from heredocs: anchors, aliases, scalars of each type.
settings = YAML.load(<<~YAML)
  defaults: &defaults
    box: "seed/yaml"
    memory: 1024
    cpus: 1
  machines:
    - name: y1
      <<: *defaults
      memory: 2048
      ip: 192.168.70.11
    - name: y2
      ip: 192.168.70.12
      synced:
        - [".", "/vagrant"]
        - ["./data", "/data"]
  flags: [yes, no, ~, 0x1f, 1.5e3, "quoted", 2024-01-01]
  multiline: |
    line one
    line two
  folded: >
    folded
    text
YAML
also = YAML.safe_load("a: 1\nb: [x, y]\n")
again = YAML.unsafe_load("- 1\n- - 2\n  - 3\n")
scalar = YAML.load("just a string")
empty = YAML.load("")
p settings.keys, settings["flags"], settings["multiline"], settings["folded"], also, again, scalar, empty
begin
  YAML.load("key: [unclosed")
rescue => e
  puts "yaml error: #{e.class} #{e.to_s[0, 40]}"
end
begin
  YAML.load_file("settings.yaml")
rescue => e
  puts "no file: #{e}"
end
defaults = settings["defaults"]
Vagrant.configure("2") do |config|
  config.vm.box = defaults["box"]
  settings["machines"].each do |m|
    opts = defaults.merge(m)
    config.vm.define opts["name"] do |node|
      node.vm.network "private_network", ip: opts["ip"]
      (opts["synced"] || []).each { |host, guest| node.vm.synced_folder host, guest }
      node.vm.provider("virtualbox") { |vb| vb.memory = opts["memory"]; vb.cpus = opts["cpus"] }
    end
  end
end
