print("nanoreasoner")
