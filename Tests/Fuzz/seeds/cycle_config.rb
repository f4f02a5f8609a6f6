# A cyclic value handed to the configuration: settings conversion must refuse it.
env = { "A" => "1" }
env["SELF"] = env
args = ["--flag"]
args << args
Vagrant.configure("2") do |config|
  config.vm.box = "seed/cycle-config"
  config.vm.provider "virtualbox" do |vb|
    vb.customize ["modifyvm", :id, "--x", [1, [2, [3]]]]
  end
  config.vm.provision "shell", inline: "echo #{args.inspect} #{env}", env: env, args: args
end
