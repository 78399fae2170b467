FROM
RUN true
