# Bad values that only the machine builder rejects.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/invalid"
  config.vm.boot_timeout = "soon"
  config.vm.define "a", primary: true
  config.vm.define "b", primary: true
  config.vm.define "c" do |c|
    c.vm.network "private_network", ip: "999.1.1.1"
    c.vm.network "forwarded_port", guest: 0, host: 70000, protocol: "sctp"
    c.vm.provision "shell", run: "sometimes"
    c.vm.provision "file", source: "only-source"
  end
end
