# One machine with most config.vm settings.
Vagrant.require_version ">= 2.2.0"
Vagrant.configure("2") do |config|
  config.vm.box = "seed/single"
  config.vm.box_version = ">= 1.0, < 2"
  config.vm.box_check_update = false
  config.vm.hostname = "single.local"
  config.vm.boot_timeout = 600
  config.vm.communicator = "ssh"
  config.vm.guest = :linux
  config.vm.base_mac = "080027AABBCC"
  config.vm.usable_port_range = 2200..2250
  config.vm.allow_hosts_modification = true
  config.vm.allow_fstab_modification = true
  config.vm.ignore_box_vagrantfile = false
  config.vm.not_a_setting = "warned"
  puts config.vm.box, config.vm.hostname.upcase, config.vm.boot_timeout + 1, config.vm.networks.inspect
  config.vm.network :forwarded_port, guest: 22, host: 2222, id: "ssh", auto_correct: true
  config.vm.network "private_network", ip: "192.168.56.5", netmask: "255.255.255.0"
  config.vm.synced_folder ".", "/vagrant", type: "rsync", rsync__exclude: [".git/"]
  config.vm.provision "shell", inline: "uname -a"
  config.vm.provider "virtualbox" do |vb|
    vb.name = "single-vm"
    vb.gui = false
    vb.memory = "2048"
    vb.cpus = 2
    vb.linked_clone = true
    vb.check_guest_additions = false
    vb.default_nic_type = "virtio"
    vb.customize ["modifyvm", :id, "--natdnshostresolver1", "on"]
    vb.customize "pre-boot", ["modifyvm", :id, "--ioapic", "on"]
    vb.unknown_key = 1
  end
  config.ssh.username = "vagrant"
  config.ssh.insert_key = false
  config.ssh.forward_agent = true
  config.ssh.port = 2222
end
