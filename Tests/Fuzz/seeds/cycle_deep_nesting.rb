# Deep but finite nesting: past the 64-level cut-offs of inspect, ==, flatten and JSON.
deep = []
120.times { deep = [deep] }
twin = []
120.times { twin = [twin] }
hd = { end: true }
120.times { |i| hd = { i => hd } }
mixed = 0
50.times { |i| mixed = i.even? ? [mixed] : { k: mixed } }
log = []
[
  -> { deep.inspect.size }, -> { deep.to_s.size }, -> { deep == twin }, -> { deep.eql?(deep) },
  -> { deep.flatten.size }, -> { deep.flatten(200).inspect.size }, -> { deep.join.size },
  -> { JSON.generate(deep) }, -> { JSON.generate(mixed).size }, -> { hd.inspect.size }, -> { hd == hd.dup },
  -> { hd.dig(119, 118, 117).keys }, -> { deep.dig(0, 0, 0, 0).size }, -> { mixed.inspect.size },
  -> { [deep, twin].uniq { |x| x }.size }, -> { { deep => 1 }.key?(twin) }, -> { [deep].include?(twin) },
  -> { [deep, twin].sort_by { |x| 0 }.size }, -> { format("%p", hd).size }, -> { "#{mixed}".size },
  -> { deep.first.first.first.size }, -> { (deep | twin).size }, -> { [deep, 1].flatten(65).size },
].each_with_index do |f, i|
  begin
    log << "#{i}: #{f.call}"
  rescue => e
    log << "#{i}! #{e}"
  end
end
puts log
Vagrant.configure("2") { |config| config.vm.box = "deep/#{log.size}" }
