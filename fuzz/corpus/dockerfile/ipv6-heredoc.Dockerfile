FROM [::1]:5000/x/y
RUN 2<<-"E" cat
	x
	E
