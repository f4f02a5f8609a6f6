# Heredocs of every flavour, as provisioning scripts use them.
user = "vagrant"
$script = <<~SCRIPT
  #!/bin/bash
  set -eu
  echo "provisioning as #{user}"
    indented line keeps two spaces
  echo done
SCRIPT
raw = <<-'RAW'
    literal #{user} \n stays
    RAW
plain = <<EOS
no indent strip #{user.upcase}
EOS
quoted = <<~"QUOTED"
  quoted tag #{1 + 1}
QUOTED
first, second = <<~ONE, <<~TWO
  first body
ONE
  second body
TWO
joined = <<~A.strip + "|" + <<~B.upcase
  alpha
A
  beta
B
empty = <<~E
E
puts $script, raw, plain, quoted, first, second, joined, empty.inspect
puts $script.lines.size, raw.include?('#{user}'), $script.split("\n").select { |l| l =~ /echo/ }
def banner(text)
  <<~TXT
    == #{text} ==
  TXT
end
Vagrant.configure("2") do |config|
  config.vm.box = "seed/heredoc"
  config.vm.provision "shell", inline: $script, privileged: false
  config.vm.provision "shell", inline: <<~SHELL, run: "always"
    echo #{banner("always").strip}
    echo "#{plain.chomp}"
  SHELL
  config.vm.post_up_message = <<~MSG
    Machine is up.
    User: #{user}
  MSG
end
