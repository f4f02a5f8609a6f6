# The kind of Vagrantfile a box ships: defaults read with Vagrant::VERSION checks and guards.
unless defined?(BOX_DEFAULTS_LOADED)
  BOX_DEFAULTS_LOADED = true
end
vagrant_version = Vagrant::VERSION
old = (Gem::Version.new(vagrant_version) < Gem::Version.new("2.0") rescue false)
Vagrant.configure("2") do |config|
  config.vm.base_mac = "0800271F2C3D"
  config.vm.guest = :linux
  config.vm.communicator = "ssh"
  config.ssh.username = "vagrant"
  config.ssh.insert_key = true
  config.vm.synced_folder ".", "/vagrant", type: "rsync" unless Vagrant.has_plugin?("vagrant-vbguest")
  config.vm.provider "virtualbox" do |vb|
    vb.check_guest_additions = false
    vb.functional_vboxsf = false
    vb.customize ["modifyvm", :id, "--audio", "none"]
    vb.customize ["modifyvm", :id, "--uartmode1", "file", File::NULL] rescue nil
  end
  config.vm.provider "libvirt" do |lv|
    lv.driver = "kvm"
    lv.disk_bus = "virtio"
    lv.nic_model_type = "virtio"
  end
  if Vagrant.has_plugin?("vagrant-libvirt") && !old
    config.vm.provider(:libvirt) { |lv| lv.graphics_type = "none" }
  end
  config.vm.post_up_message = "box defaults for #{vagrant_version} (#{RUBY_PLATFORM})"
end
