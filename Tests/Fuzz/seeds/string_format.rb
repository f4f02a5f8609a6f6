# format, sprintf and String#% with flags, widths and precisions.
p format("%s and %s", "a", :b), sprintf("%d items", 3), "%05d" % 42, "%-6s|" % "ab"
p "%+d %+d" % [5, -5], "% d" % 7, "%x %X %o %b" % [255, 255, 8, 5], "%#x" % 255
p "%.3f" % 3.14159, "%8.2f|" % 2.5, "%-8.1f|" % 2.25, "%e" % 12345.678, "%g" % 0.0001
p "%010.4f" % -3.5, "%.2s" % "abcdef", "%5s%%" % 50, "%c%c" % ["x", "yz"], "%p %p" % [nil, [1, :a]]
p "%i|%u" % [3.9, "12"], "%.5d" % 42, "%.3x" % 10, "%s" % [[1, 2]], "%s" % { k: 1 }
p format("%-10s%5d%8.2f", "row", 7, 1.5), format("%3$s", "a", "b", "c") rescue p "positional"
p format("%s", nil), format("%d", -0.5), "%s-%s" % %w[a b], "%d%%" % 99
begin
  format("%d", "abc")
rescue ArgumentError => e
  puts "bad int: #{e}"
end
begin
  format("%s %s", 1)
rescue ArgumentError => e
  puts "few args: #{e}"
end
begin
  "%z" % 1
rescue => e
  puts "malformed: #{e}"
end
begin
  "%{name}" % { name: "x" }
rescue => e
  puts "named: #{e}"
end
mac = format("08:00:27:%02x:%02x:%02x", 1, 171, 255)
ips = (1..3).map { |i| "10.0.%d.%d" % [i / 256, i % 256] }
table = [["web", 512], ["db", 2048]].map { |n, m| "%-5s %6d MB" % [n, m] }
puts mac, ips, table
Vagrant.configure("2") do |config|
  config.vm.base_mac = mac.delete(":")
end
