# Globals, instance variables, constants, introspection and object identity.
BOXES = { "ubuntu" => "bento/ubuntu-22.04", "debian" => "debian/bookworm64" }.freeze
DEFAULT = "ubuntu"
$counter = 0
@settings = { cpus: 2 }
@@class_var = 1 rescue nil
def bump
  $counter += 1
  @settings[:cpus] += 1
end
bump
bump
p $counter, @settings, $undefined_global, @missing_ivar, BOXES[DEFAULT], BOXES.frozen?
p Vagrant::VERSION, Vagrant.version rescue p "no version"
p RUBY_VERSION, RUBY_PLATFORM, ARGV, __FILE__.end_with?("Vagrantfile"), __dir__.size > 0, __LINE__
p ::File.basename(__FILE__), File::SEPARATOR rescue p "sep"
vals = [nil, true, false, 1, 1.5, "s", :sym, [1], { a: 1 }, 1..2, -> {}, /re/]
p vals.map(&:class), vals.map { |v| v.nil? }, vals.map(&:inspect), vals.map(&:to_s)
p vals.map { |v| v.is_a?(Numeric) }, vals.map { |v| v.instance_of?(Array) }, vals.map(&:frozen?)
p 1.tap { |v| puts "tapped #{v}" }, [1].equal?([1]), nil.to_a, nil.to_i, nil.to_h
p Integer === 3, String === 3, Hash.new.class, Array.new(2, 0), String.new, Integer.name, Proc.to_s
p [Integer, Float, String, Symbol, Array, Hash, Range, NilClass, TrueClass, FalseClass, Proc].map(&:name)
p Vagrant.has_plugin?("vagrant-libvirt"), Vagrant.has_plugin?("vagrant-nope"), Vagrant.require_version(">= 2.0", "< 3")
CONST_LIST = %w[a b]
CONST_LIST << "c"
p CONST_LIST, defined?(CONST_LIST), defined?(@settings), defined?($counter)
Vagrant.configure("2") do |config|
  config.vm.box = BOXES.fetch(ENV["BOX"] || DEFAULT)
  config.vm.provider("virtualbox") { |vb| vb.cpus = @settings[:cpus] }
end
