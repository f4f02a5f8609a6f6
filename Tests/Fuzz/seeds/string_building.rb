# Building strings and tables in loops: <<, +=, *, ljust, join, each_with_object.
rows = [["name", "memory", "cpus"], ["web", 512, 1], ["database", 4096, 4], ["cache", 1024, 2]]
widths = rows.transpose.map { |col| col.map { |c| c.to_s.size }.max } rescue widths = [10, 8, 6]
out = ""
rows.each_with_index do |row, i|
  line = ""
  row.each_with_index { |cell, j| line << cell.to_s.ljust(widths[j] + 2) }
  out << line.rstrip << "\n"
  out << "-" * line.rstrip.size << "\n" if i.zero?
end
csv = rows.map { |r| r.join(",") }.join("\n")
ini = { "main" => { "a" => 1, "b" => "two" }, "extra" => {} }.map do |section, pairs|
  "[#{section}]\n" + pairs.map { |k, v| "#{k}=#{v}" }.join("\n")
end.join("\n\n")
hosts = (1..4).each_with_object("") { |i, s| s << "10.0.0.#{i} node#{i}\n" }
script = ""
script += "#!/bin/sh\n"
script += %w[update upgrade].map { |c| "apt-get -y #{c}" }.join(" && ") + "\n"
script *= 1
acc = "x"
5.times { acc = acc + acc.size.to_s }
title = "Report".center(20, "=")
lines = out.lines.map(&:chomp).reject(&:empty?)
puts title, out, csv, ini, hosts, script, acc, lines.size, out.count("\n"), csv.split("\n").last
Vagrant.configure("2") do |config|
  config.vm.box = "seed/strings"
  config.vm.provision "shell", inline: script + "cat <<'EOF' >> /etc/hosts\n#{hosts}EOF\n"
end
