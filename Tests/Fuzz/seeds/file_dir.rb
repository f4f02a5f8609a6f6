# File and Dir helpers (read-only), require/load paths, __dir__.
require "fileutils"
require "vagrant-hostmanager"
root = File.expand_path(__dir__)
conf = File.join(root, "conf", "", "/nodes.yml")
p File.join("a", "b/", "/c"), File.join, File.dirname("/x/y/z.rb"), File.dirname("plain")
p File.basename("/x/y/z.rb"), File.basename("/x/y/z.rb", ".rb"), File.basename("a.tar.gz", ".*")
p File.extname("a/b.yaml"), File.extname("noext"), File.expand_path("~/x", "/base"), File.expand_path("rel", "/base")
p File.absolute_path("a/../b"), File.exist?(conf), File.exists?("/"), File.file?("/"), File.directory?("/")
p File.readable?("Vagrantfile"), File.realpath("."), Dir.pwd == root, Dir.getwd.size, Dir.exist?("/")
p Dir.exists?("/nonexistent"), Dir.glob("*.rb"), Dir["/nonexistent/*"], Dir.home.class
settings = File.exist?(conf) ? YAML.load_file(conf) : { "nodes" => 1 }
keyfile = File.expand_path("~/.ssh/id_ed25519.pub")
pubkey = File.file?(keyfile) ? File.read(keyfile).strip : "none"
[-> { File.read("missing.txt") }, -> { File.readlines("/nonexistent") },
 -> { require_relative "helpers" }, -> { load "other.rb" }, -> { require "socket" }].each do |f|
  begin
    p f.call
  rescue => e
    puts "error: #{e}"
  end
end
Vagrant.configure("2") do |config|
  config.vm.synced_folder root, "/vagrant", disabled: !File.directory?(root)
  config.vm.provision "shell", inline: "echo '#{pubkey}' >> /root/keys", privileged: true
  config.vm.hostname = "files-#{settings['nodes']}"
end
