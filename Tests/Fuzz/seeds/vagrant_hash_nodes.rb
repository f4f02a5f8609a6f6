# Data-driven cluster: nested hashes and arrays describe machines.
CLUSTER = {
  lb:  { ip: "192.168.61.10", mem: 512,  cpus: 1, ports: { 80 => 8080, 443 => 8443 }, tags: %i[edge] },
  app: { ip: "192.168.61.20", mem: 1024, cpus: 2, count: 2, ports: {}, tags: %i[app web] },
  db:  { ip: "192.168.61.30", mem: 2048, cpus: 2, ports: { 5432 => 15432 }, disks: [{ size: "10GB" }] },
}
def ip_add(ip, offset)
  parts = ip.split(".").map(&:to_i)
  parts[-1] += offset
  parts.join(".")
end
Vagrant.configure("2") do |config|
  config.vm.box = "seed/cluster"
  CLUSTER.each do |role, spec|
    (spec[:count] || 1).times do |i|
      name = spec[:count] ? "#{role}#{i + 1}" : role.to_s
      config.vm.define name, primary: role == :lb do |node|
        node.vm.hostname = "#{name}.cluster.test"
        node.vm.network "private_network", ip: ip_add(spec[:ip], i)
        spec[:ports].each_pair do |guest, host|
          node.vm.network "forwarded_port", guest: guest, host: host + i
        end
        (spec[:disks] || []).each_with_index do |disk, n|
          node.vm.disk :disk, name: "#{name}-d#{n}", size: disk[:size]
        end
        node.vm.provider "virtualbox" do |vb|
          vb.memory = spec[:mem]
          vb.cpus = spec.fetch(:cpus, 1)
          vb.name = "cluster-#{name}"
        end
        node.vm.provision "shell", inline: "echo #{spec[:tags]&.join(',')} #{CLUSTER.keys.inspect}"
      end
    end
  end
end
