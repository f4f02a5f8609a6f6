# Multi-machine configuration built in loops.
NODE_COUNT = 3
SUBNET = "192.168.57"
roles = %w[control worker worker]
Vagrant.configure("2") do |config|
  config.vm.box = "seed/multi"
  config.vm.synced_folder ".", "/vagrant", disabled: true
  (1..NODE_COUNT).each do |i|
    role = roles[i - 1]
    name = "#{role}-#{i}"
    config.vm.define name, primary: i == 1, autostart: role != "worker" || i < 3 do |node|
      node.vm.hostname = name
      node.vm.network "private_network", ip: "#{SUBNET}.#{10 + i}"
      node.vm.network "forwarded_port", guest: 80, host: 8080 + i, host_ip: "127.0.0.1"
      node.vm.provider "virtualbox" do |vb, override|
        vb.memory = role == "control" ? 2048 : 1024
        vb.cpus = i
        override.vm.box = "seed/vbox-#{role}" if i == 2
      end
      node.vm.provision "shell", inline: "echo #{role} #{i}", args: [i.to_s, role]
    end
  end
  roles.each_with_index do |role, idx|
    next unless role == "worker"
    config.vm.define "#{role}-#{idx + 1}" do |again|
      again.vm.provision "shell", inline: "echo reopened"
    end
  end
  %w[db cache].each.with_index(10) do |svc, port|
    config.vm.define svc.to_sym do |m|
      m.vm.network :forwarded_port, guest: 6000 + port, host: 16000 + port, protocol: "udp"
    end
  end
  config.vm.define "empty-define"
end
