# Provider blocks for each provider, with overrides and customizations.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/providers"
  config.vm.provider :virtualbox do |vb, override|
    vb.memory = 1024
    vb.customize ["modifyvm", :id, "--cpus", 2, "--nested-hw-virt", "on"]
    vb.customize ["storageattach", :id, "--storagectl", "SATA", "--port", 1, "--type", "hdd", "--medium", "disk.vdi"]
    override.vm.box = "seed/vbox"
    override.vm.network "private_network", ip: "192.168.58.2"
  end
  %w[vmware_desktop vmware_fusion vmware_workstation].each do |prov|
    config.vm.provider prov do |v|
      v.vmx["memsize"] = "2048"
      v.vmx["numvcpus"] = 2
      v.gui = false
      v.linked_clone = false
      puts v.vmx["memsize"]
    end
  end
  config.vm.provider "parallels" do |prl, override|
    prl.name = "prl-seed"
    prl.update_guest_tools = true
    prl.customize ["set", :id, "--on-window-close", "keep-running"]
    override.ssh.username = "parallels"
  end
  config.vm.provider :libvirt do |lv|
    lv.memory = 2048
    lv.cpus = 2
    lv.driver = "kvm"
    lv.storage :file, size: "20G", type: "qcow2"
    lv.storage_pool_name = "default"
    lv.cpu_mode = "host-passthrough"
  end
  config.vm.provider "qemu" do |qe|
    qe.arch = "x86_64"
    qe.machine = "q35"
    qe.net_device = "virtio-net-pci"
    qe.ssh_port = 50022
  end
  config.vm.provider "hyperv" do |h|
    h.vmname = "hv"
    h.enable_virtualization_extensions = true
  end
  config.vm.provider "virtualbox"
end
