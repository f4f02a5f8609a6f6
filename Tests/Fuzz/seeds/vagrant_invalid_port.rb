# Reaches the machine builder's checks: a host port forwarded twice under two ids.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/invalid"
  config.vm.network "forwarded_port", guest: 22, host: 2222, id: "ssh", disabled: true
  config.vm.network "forwarded_port", guest: 80, host: 8080, id: "first"
  config.vm.network "forwarded_port", guest: 81, host: 8080, id: "second"
end
