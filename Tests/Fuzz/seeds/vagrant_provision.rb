# Provisioners: shell (inline, path, args, env), file, named with type:, blocks, others.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/provision"
  config.vm.provision "shell", inline: "echo once"
  config.vm.provision :shell, path: "scripts/setup.sh", args: ["--fast", 2], privileged: false
  config.vm.provision "shell", inline: "echo always", run: "always", name: "always-one"
  config.vm.provision "shell", inline: "echo never", run: "never"
  config.vm.provision "shell" do |s|
    s.inline = "echo from block $1"
    s.args = "one"
    s.env = { "A" => "1", "B" => 2 }
    s.upload_path = "/tmp/p.sh"
    s.bogus_option = :warned
    puts s.inline, s.args.inspect, s.name.inspect
  end
  config.vm.provision "bootstrap", type: "shell", inline: "echo first", preserve_order: true
  config.vm.provision "bootstrap", type: "shell", inline: "echo replaced"
  config.vm.provision "file", source: "files/motd", destination: "/tmp/motd"
  config.vm.provision :file do |f|
    f.source = "files/dir"
    f.destination = "$HOME/dir"
  end
  config.vm.provision "ansible" do |ansible|
    ansible.playbook = "site.yml"
    ansible.extra_vars = { role: "web", list: [1, 2] }
    ansible.groups = { "web" => ["m1"], "all:vars" => { "x" => 1 } }
  end
  config.vm.provision "docker" do |d|
    d.run "nginx", args: "-p 80:80"
  end
  config.vm.define "m1" do |m|
    m.vm.provision "bootstrap", type: "shell", inline: "echo m1 override"
    m.vm.provision "shell", inline: <<~SH, env: { "ROLE" => "m1" }
      echo "$ROLE"
    SH
  end
end
