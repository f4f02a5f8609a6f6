# Networks: forwarded ports, private and public networks, aliases and merging by id.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/network"
  config.vm.network "forwarded_port", guest: 80, host: 8080
  config.vm.network "forwarded_port", guest: 443, host: 8443, host_ip: "127.0.0.1", protocol: "tcp"
  config.vm.network "forwarded_port", guest: 53, host: 5353, protocol: "udp", auto_correct: true
  config.vm.network :forwarded_port, id: "ssh", guest: 22, host: 2200
  config.vm.network :forwarded_port, id: "ssh", guest: 22, host: 2201
  config.vm.network "forwarded_port", { guest: 3000, host: 3000, guest_ip: "10.0.2.15" }
  config.vm.network "private_network", ip: "192.168.59.10"
  config.vm.network "private_network", type: "dhcp"
  config.vm.network "private_network", ip: "10.10.0.2", netmask: "255.255.0.0", virtualbox__intnet: "intnet1"
  config.vm.network "private_network", ip: "fd00::10", netmask: 64
  config.vm.network :private_network, ip: "172.16.0.5", auto_config: false, libvirt__network_name: "n1"
  config.vm.network "hostonly", ip: "192.168.59.11"
  config.vm.network "public_network", bridge: "en0: Wi-Fi", use_dhcp_assigned_default_route: true
  config.vm.network "bridged"
  ports = { web: [80, 18080], api: [8000, 18000] }
  ports.each do |name, (guest, host)|
    config.vm.network "forwarded_port", guest: guest, host: host, id: name.to_s
  end
  config.vm.define "nets" do |n|
    n.vm.network "forwarded_port", guest: 80, host: 9080
    n.vm.network "private_network", ip: "192.168.59.20"
    p n.vm.networks.size
  end
end
