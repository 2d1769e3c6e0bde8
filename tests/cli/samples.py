"""A small hand-checkable framework and data set shared by the command-line tests."""

# X2 is lower-is-better; weights: INDEX = 0.6·A + 0.4·B, A = (X1 + X2)/2, B = X3.
FRAMEWORK = """code,parent,name,unit,weight,standard,direction
INDEX,,Index,%,,,
A,INDEX,Area A,%,0.6,,
X1,A,x one,u,0.5,10,1
X2,A,x two,u,0.5,4,-1
B,INDEX,Area B,%,0.4,,
X3,B,x three,u,1,200,1
"""

# R1 lacks X3 in 2024 (blank value).
DATA = """region,year,indicator,value
R1,2023,X1,5
R1,2023,X2,8
R1,2023,X3,100
R2,2023,X1,20
R2,2023,X2,2
R2,2023,X3,50
R3,2023,X1,5
R3,2023,X2,8
R3,2023,X3,100
R1,2024,X1,7.5
R1,2024,X2,5
R1,2024,X3,
R2,2024,X1,10
R2,2024,X2,4
R2,2024,X3,300
R3,2024,X1,2.5
R3,2024,X2,16
R3,2024,X3,50
"""
