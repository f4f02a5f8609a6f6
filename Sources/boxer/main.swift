print("boxer")
