# Other config namespaces: ssh, vagrant, winrm, trigger, plugins, disks, cloud_init.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/namespaces"
  config.ssh.username = "admin"
  config.ssh.password = "secret"
  config.ssh.private_key_path = ["~/.ssh/id_rsa", "~/.ssh/other"]
  config.ssh.forward_x11 = true
  config.ssh.keep_alive = true
  config.ssh.shell = "bash -l"
  config.ssh.extra_args = ["-o", "StrictHostKeyChecking=no"]
  config.ssh.unknown = 1
  p config.ssh.username, config.ssh.port, config.ssh.insert_key
  config.vagrant.plugins = ["vagrant-libvirt", { "vagrant-env" => { version: "1.0" } }]
  config.vagrant.sensitive = ["secret"]
  config.winrm.username = "Administrator"
  config.winssh.shell = "powershell"
  config.push.define "ftp" do |push|
    push.host = "ftp.example.invalid"
  end
  config.trigger.before :up do |t|
    t.info = "about to start"
    t.run = { inline: "echo hi" }
  end
  config.trigger.after [:up, :reload], type: :action do |t|
    t.warn = "done"
  end
  config.hostmanager.enabled = true
  config.vbguest.auto_update = false
  config.cache.scope = :box
  config.proxy.http = "http://proxy:3128"
  config.my_plugin.setting = "x"
  config.vm.disk :disk, size: "20GB", name: "extra", primary: false
  config.vm.disk :dvd, name: "installer", file: "./x.iso"
  config.vm.cloud_init :user_data, content_type: "text/cloud-config", inline: "packages: [git]"
  p config.to_s, config.inspect
end
