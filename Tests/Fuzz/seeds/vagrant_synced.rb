# Synced folders of each type, with options, merging by name and disabling.
Vagrant.configure("2") do |config|
  config.vm.box = "seed/synced"
  config.vm.synced_folder ".", "/vagrant", disabled: true
  config.vm.synced_folder "./src", "/srv/src", owner: "www-data", group: "www-data", mount_options: ["dmode=775", "fmode=664"]
  config.vm.synced_folder "data", "/data", type: "nfs", nfs_version: 4, nfs_udp: false, linux__nfs_options: ["rw", "no_root_squash"]
  config.vm.synced_folder "~/cache", "/cache", type: "rsync", rsync__auto: true, rsync__args: ["--verbose", "--archive", "-z"]
  config.vm.synced_folder "smb", "/smb", type: "smb", smb_username: "u", smb_password: "p"
  config.vm.synced_folder "shared", "/shared", id: "share1", create: true, automount: true
  config.vm.synced_folder "one", "/first", name: "merge-me"
  config.vm.synced_folder "two", "/second", name: "merge-me", type: "virtiofs"
  {"logs" => "/var/log/app", "conf" => "/etc/app"}.each do |host, guest|
    config.vm.synced_folder host, guest, SharedFoldersEnableSymlinksCreate: false
  end
  config.vm.define "s1" do |s|
    s.vm.synced_folder ".", "/vagrant", disabled: false, type: "virtualbox"
    s.vm.provider "virtualbox" do |vb, override|
      override.vm.synced_folder "vbonly", "/vbonly"
    end
  end
  config.vm.define "s2" do |s|
    s.vm.synced_folder "/abs/path", "/abs"
  end
end
