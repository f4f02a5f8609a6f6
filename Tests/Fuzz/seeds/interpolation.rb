# String interpolation, escapes and quoting styles.
name = "web"
n = 3
list = [1, :two, "three", nil, 4.0, 1..2]
hash = { k: "v", "s" => [1] }
puts "plain #{name} #{n + 1} #{n * 1.5} #{nil} #{true} #{:sym} #{list} #{hash}"
puts "nested #{"inner #{name.upcase + "#{n}"}"} done"
puts "expr #{n > 2 ? "big" : "small"} #{[1, 2].map { |x| x * n }.join(",")}"
puts "braces #{ {a: 1}[:a] } #{ "}" } #{ '{' }"
puts 'single #{not} interpolated \n \' \\'
puts "escapes \t tab \n newline \e[0m \s space \0 nul \a \b \" \\ \#{not}"
puts "adjacent " "literals " 'joined'
puts %q(percent q #{no} (nested) parens), %Q{percent Q #{name} {nested}}
puts %Q[brackets #{n}], %<angle #{n}>, %|pipes #{n}|, %(bare #{n})
puts "multi
line string #{name}"
puts "line continuation " \
  "works"
sym = :"quoted sym"
sym2 = :'single sym'
key = { "label key": 1, 'other': 2 }
puts sym.inspect, sym2, key.inspect
puts "unicode ünïcødé ✓ \u00e9" rescue puts "u escape"
s = "#{name}-#{"%02d" % n}"
s2 = "#{}" + "#{""}"
puts s, s2.empty?, "#{list.size}#{hash.size}".to_i
Vagrant.configure("2") do |config|
  config.vm.hostname = "#{s}.local"
  config.vm.provision "shell", inline: "echo #{name} #{list.compact.join(' ')}"
end
