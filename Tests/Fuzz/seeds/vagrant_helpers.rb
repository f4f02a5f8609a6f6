# Helper methods, case/when, guards and string building around a config.
def box_for(os)
  case os.to_s
  when "ubuntu", /^jammy/ then "bento/ubuntu-22.04"
  when "debian" then "debian/bookworm64"
  when "" then raise ArgumentError, "empty os"
  else "generic/#{os}"
  end
end
def provider_tune(vb, mem: 512, cpus: 1, **extra)
  vb.memory = mem
  vb.cpus = cpus
  extra.each { |k, v| vb.customize ["modifyvm", :id, "--#{k}", v.to_s] }
end
def script_for(name, packages = [])
  lines = ["set -e", "hostnamectl set-hostname #{name}"]
  lines << "apt-get install -y #{packages.join(' ')}" unless packages.empty?
  lines.map { |l| l + "\n" }.join
end
MACHINES = [
  ["alpha", :ubuntu, 1024, %w[curl git]],
  ["beta", "jammy-server", 512, []],
  ["gamma", :alpine, 256, %w[vim]],
]
Vagrant.configure("2") do |config|
  MACHINES.each do |(name, os, mem, pkgs)|
    config.vm.define name do |m|
      m.vm.box = box_for(os)
      m.vm.provider("virtualbox") { |vb| provider_tune(vb, mem: mem, cpus: mem > 512 ? 2 : 1, vram: 16) }
      m.vm.provision "shell", inline: script_for(name, pkgs)
    end
  end
  begin
    box_for("")
  rescue => e
    config.vm.post_up_message = "helper said: #{e}"
  end
end
