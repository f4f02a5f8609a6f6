# Regular expressions: match, =~, scan, sub/gsub with groups, split, case/when.
line = "eth0: 192.168.56.10/24 mtu 1500"
if line =~ /(\d+)\.(\d+)\.(\d+)\.(\d+)/
  puts "octets #{$1} #{$2} #{$3} #{$4}"
end
m = line.match(/mtu (\d+)/)
p m, m[1].to_i, line.match?(/ETH/i), line.match?(/wlan/), line =~ /zzz/, line !~ /zzz/
p line.scan(/\d+/), line.scan(/[a-z]+/), "a1b22c333".scan(/\d+/).map(&:size)
p line.sub(/(\d+)\/(\d+)/, "\\2 of \\1"), line.gsub(/\d/, "#"), line.gsub(/(\w+):/, "<\\1>")
p "a, b;c  d".split(/[,; ]+/), "2024-01-02".split(/-/).map(&:to_i), "x".split(/y/)
r = %r{^/usr/(local/)?bin}
p r.source, r.match?("/usr/local/bin/ruby"), /a.c/m.match?("a\nc"), "ABC" =~ /b/i
p(/ \d+ # digits
  /x.match("x 42"))
version = "2.4.1"
case version
when /^1\./ then puts "old"
when /^2\.(\d+)/ then puts "two, minor #{$1}"
else puts "unknown"
end
host = "node-07.example.test"
if (found = host.match(/node-(\d+)/))
  index = found[1].to_i
  puts "index #{index}, padded #{"%03d" % index}"
end
p "CamelCaseName".gsub(/([a-z])([A-Z])/, "\\1_\\2").downcase, "a.b.c".sub(".", "!")
p "tab\tsep".gsub(/\t/, " "), "multi\nline".scan(/^\w+$/), "x+y".gsub("+", "\\\\+")
Vagrant.configure("2") do |config|
  config.vm.box = "seed/regex-#{index}"
end
