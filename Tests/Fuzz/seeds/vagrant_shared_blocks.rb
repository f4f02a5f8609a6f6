# Configuration blocks kept in lambdas and hashes and applied to several machines.
common = lambda do |vm, name|
  vm.hostname = name
  vm.synced_folder ".", "/vagrant", disabled: true
  vm.provision "shell", inline: "echo common #{name}", name: "common"
end
sized = ->(mem, cpus) { ->(vb, *rest) { vb.memory = mem; vb.cpus = cpus } }
PROFILES = { small: sized.(512, 1), large: sized.(4096, 4) }
machines = { "s1" => :small, "l1" => :large, "s2" => :small }
Vagrant.configure("2") do |config|
  config.vm.box = "seed/shared"
  config.vm.provision "shell", inline: "echo global first"
  machines.each do |name, profile|
    config.vm.define name, autostart: profile == :small do |m|
      common.call(m.vm, name)
      m.vm.provider("virtualbox", &PROFILES.fetch(profile))
      m.vm.provider :vmware_desktop do |v, override|
        PROFILES[profile].call(v)
        override.vm.box = "seed/shared-vmware"
        override.vm.provision "shell", inline: "echo vmware only"
        override.ssh.username = "vm-user"
      end
      m.vm.provision "common", type: "shell", inline: "echo replaced for #{name}" if profile == :large
    end
  end
end
Vagrant.configure("2") do |config|
  config.vm.define "s1" do |again|
    again.vm.network "forwarded_port", guest: 80, host: 8081
  end
  config.vm.box_check_update = true
end
